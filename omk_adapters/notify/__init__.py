"""Delivery of email and SMS: the local outbox folder (embedded default), SMTP, and SMS.ru.

`make_mailer` and `make_sms_sender` pick the adapter from settings; bootstrap() calls them.
"""

from __future__ import annotations

from omk_adapters.notify.local import LocalFolderMailer, LocalFolderSmsSender, LocalOutbox, mail_folder, sms_file
from omk_adapters.settings import Settings, SettingsError
from omk_domain.ports import Mailer, SmsSender
from omk_domain.shared.clock import Clock

__all__ = ["LocalOutbox", "make_mailer", "make_sms_sender"]


def make_mailer(settings: Settings, clock: Clock | None = None) -> Mailer:
    """SMTP when OMK_SMTP_URL is set, the local outbox folder otherwise. Connects nothing yet."""
    if settings.smtp_url:
        from omk_adapters.notify.smtp import SmtpMailer

        return SmtpMailer(settings.smtp_url, sender=settings.mail_from, clock=clock)
    return LocalFolderMailer(mail_folder(settings.data_dir), sender=settings.mail_from, clock=clock)


def make_sms_sender(settings: Settings, clock: Clock | None = None) -> SmsSender:
    """SMS.ru when OMK_SMS_GATEWAY=smsru, the local outbox file otherwise."""
    if settings.sms_gateway == "smsru":
        from omk_adapters.notify.smsru import SmsRuSender

        if not settings.smsru_api_id:
            raise SettingsError("OMK_SMSRU_API_ID is required when OMK_SMS_GATEWAY=smsru")
        return SmsRuSender(settings.smsru_api_id, base_url=settings.smsru_url, sender=settings.smsru_sender,
                           test=settings.smsru_test)
    return LocalFolderSmsSender(sms_file(settings.data_dir), clock=clock)
