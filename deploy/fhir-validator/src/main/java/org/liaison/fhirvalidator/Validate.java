package org.liaison.fhirvalidator;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;

/**
 * Validates FHIR R4 JSON resources against the base R4 specification with HAPI FHIR, offline.
 *
 * <pre>
 *   java -jar fhir-validator.jar FILE...   one result line per file
 *   java -jar fhir-validator.jar [-]       one resource per stdin line, one result line each, flushed:
 *                                          a long-running validator for a test session
 * </pre>
 *
 * On stdin the first line written is {"ready": true}, once R4's definitions are loaded; blank input lines
 * get no answer; the program exits at the end of its input.
 *
 * Each result is one line of JSON: {"source": ..., "valid": bool, "issues": [{"severity", "location",
 * "message", "messageId"}]} with the fatal, error and warning issues (information is left out). The
 * exit code is 1 when any resource had an error or fatal issue, 2 for a usage error, 0 otherwise.
 *
 * Only the base specification is loaded (DefaultProfileValidationSupport: R4's StructureDefinitions,
 * ValueSets and CodeSystems), no implementation guide and no terminology server, so nothing is fetched
 * at validation time. Codes of code systems the validator does not hold (SNOMED CT, LOINC, a program's
 * own) cannot be checked: HAPI's messages saying so are reported as warnings, never as errors.
 */
public final class Validate {
    private Validate() {}

    public static void main(String[] args) throws IOException {
        // HAPI and its libraries may print; results alone go to the real stdout, everything else to stderr.
        PrintStream results = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        FhirValidator validator = validator();
        boolean failed = false;
        if (args.length == 0 || (args.length == 1 && args[0].equals("-"))) {
            BufferedReader lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            // The first validation loads R4's definitions (seconds); done before saying ready, so answers are quick.
            validate(validator, "{\"resourceType\": \"Basic\", \"code\": {\"text\": \"warm-up\"}}");
            results.println("{\"ready\": true}");
            String line;
            int number = 0;
            while ((line = lines.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                failed |= report(results, "stdin:" + number, validate(validator, line));
            }
        } else {
            for (String argument : args) {
                if (argument.startsWith("-")) {
                    System.err.println("usage: java -jar fhir-validator.jar [FILE... | -]");
                    System.exit(2);
                }
                List<Issue> issues;
                try {
                    issues = validate(validator, Files.readString(Path.of(argument), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    issues = List.of(new Issue("fatal", "", "cannot read the file: " + e.getClass().getSimpleName(),
                            "FILE_UNREADABLE"));
                }
                failed |= report(results, argument, issues);
            }
        }
        results.flush();
        System.exit(failed ? 1 : 0);
    }

    record Issue(String severity, String location, String message, String messageId) {
        boolean blocking() {
            return severity.equals("error") || severity.equals("fatal");
        }
    }

    static FhirValidator validator() {
        FhirContext context = FhirContext.forR4();
        ValidationSupportChain chain = new ValidationSupportChain(
                new DefaultProfileValidationSupport(context),
                new CommonCodeSystemsTerminologyService(context),
                new InMemoryTerminologyServerValidationSupport(context),
                new SnapshotGeneratingValidationSupport(context));
        FhirInstanceValidator instanceValidator = new FhirInstanceValidator(chain);
        instanceValidator.setAnyExtensionsAllowed(true);
        instanceValidator.setErrorForUnknownProfiles(false);
        instanceValidator.setNoTerminologyChecks(false);
        FhirValidator validator = context.newValidator();
        validator.registerValidatorModule(instanceValidator);
        return validator;
    }

    static List<Issue> validate(FhirValidator validator, String json) {
        List<Issue> issues = new ArrayList<>();
        ValidationResult result;
        try {
            result = validator.validateWithResult(json);
        } catch (RuntimeException e) {
            // A resource HAPI cannot even parse; the message names the problem, not the content.
            issues.add(new Issue("fatal", "", "cannot parse the resource: " + e.getMessage(), "PARSE"));
            return issues;
        }
        for (SingleValidationMessage message : result.getMessages()) {
            ResultSeverityEnum severity = message.getSeverity();
            if (severity == ResultSeverityEnum.INFORMATION) {
                continue;
            }
            String level = severity.getCode().toLowerCase(Locale.ROOT);
            String id = message.getMessageId() == null ? "" : message.getMessageId();
            String text = message.getMessage() == null ? "" : message.getMessage();
            if (level.equals("error") && unknownCodeSystem(id, text)) {
                level = "warning";
            }
            String location = message.getLocationString() == null ? "" : message.getLocationString();
            issues.add(new Issue(level, location, text, id));
        }
        return issues;
    }

    /** A code the validator cannot check because it does not hold the code system: not the resource's fault. */
    static boolean unknownCodeSystem(String messageId, String message) {
        String id = messageId.toUpperCase(Locale.ROOT);
        return id.contains("SYSTEM_UNKNOWN") || id.contains("UNKNOWN_CODESYSTEM") || id.contains("SYSTEM_NOTKNOWN")
                || id.contains("NOT_FOUND_CS") || message.contains("could not be found, so the code cannot be validated")
                || message.contains("CodeSystem is unknown") || message.contains("Unknown code system")
                || message.contains("unknown code system");
    }

    static boolean report(PrintStream out, String source, List<Issue> issues) {
        boolean failed = issues.stream().anyMatch(Issue::blocking);
        StringBuilder line = new StringBuilder("{\"source\": ").append(quote(source))
                .append(", \"valid\": ").append(!failed).append(", \"issues\": [");
        for (int i = 0; i < issues.size(); i++) {
            Issue issue = issues.get(i);
            if (i > 0) {
                line.append(", ");
            }
            line.append("{\"severity\": ").append(quote(issue.severity()))
                    .append(", \"location\": ").append(quote(issue.location()))
                    .append(", \"message\": ").append(quote(issue.message()))
                    .append(", \"messageId\": ").append(quote(issue.messageId())).append('}');
        }
        out.println(line.append("]}"));
        out.flush();
        return failed;
    }

    static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
