"""Sending one notification e-mail over SMTP (aiosmtplib).

An edge: everything comes in as arguments, nothing is logged, and a failure is a
`DeliveryFailed` whose reason names an SMTP reply code or an error class only,
never an address, the subject, the body or the server's reply text.
"""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from liaison_notifier.webhooks import DeliveryFailed

__all__ = ["MESSAGE_ID_DOMAIN", "build_message", "send_email"]

MESSAGE_ID_DOMAIN = "liaison"
_MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,127}")


def build_message(*, sender: str, to: list[str], subject: str, body: str, message_id: str) -> EmailMessage:
    """A plain-text message with the stable header `Message-ID: <{message_id}@liaison>`,
    so a receiver can drop a repeat of the same notification.

    ValueError if `message_id` is not a plain token or a header value holds a line break.
    """
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError("message_id must be letters, digits, '.', '_' or '-'")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = f"<{message_id}@{MESSAGE_ID_DOMAIN}>"
    message.set_content(body)
    return message


def _reply_failure(codes: list[int], what: str) -> DeliveryFailed:
    # 4xx is transient by RFC 5321; 5xx (and anything unexpected) permanent. One
    # transient refusal among several makes the whole delivery worth retrying.
    transient = [code for code in codes if 400 <= code < 500]
    code = transient[0] if transient else max(codes, default=550)
    return DeliveryFailed(f"smtp {code} {what}", retryable=bool(transient))


async def send_email(
    *, host: str, port: int, sender: str, to: list[str], subject: str, body: str, message_id: str, timeout: float
) -> None:
    """Send one e-mail through the SMTP server at `host:port` (STARTTLS when it offers it).

    `timeout` bounds the whole exchange. Raises `DeliveryFailed`: retryable on a
    connection error, a timeout or a 4xx reply; not retryable on a 5xx reply or an
    unbuildable message. If only some recipients are refused the others got the
    message; the failure is retryable if a refusal was 4xx (a repeat carries the same
    Message-ID).
    """
    if not to:
        raise DeliveryFailed("no recipients", retryable=False)
    try:
        message = build_message(sender=sender, to=to, subject=subject, body=body, message_id=message_id)
    except (ValueError, TypeError):
        raise DeliveryFailed("invalid message", retryable=False) from None
    try:
        async with asyncio.timeout(timeout):
            refused, _ = await aiosmtplib.send(
                message, sender=sender, recipients=to, hostname=host, port=port, timeout=timeout
            )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise _reply_failure([refusal.code for refusal in exc.recipients], "recipient refused") from None
    except aiosmtplib.SMTPResponseException as exc:
        raise _reply_failure([exc.code], type(exc).__name__) from None
    except (TimeoutError, aiosmtplib.SMTPTimeoutError) as exc:
        raise DeliveryFailed(f"timeout ({type(exc).__name__})", retryable=True) from None
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError) as exc:
        raise DeliveryFailed(f"connection error ({type(exc).__name__})", retryable=True) from None
    except aiosmtplib.SMTPException as exc:
        raise DeliveryFailed(f"smtp error ({type(exc).__name__})", retryable=False) from None
    if refused:
        codes = [reply.code for reply in refused.values()]
        raise _reply_failure(codes, f"{len(refused)} of {len(to)} recipients refused")
