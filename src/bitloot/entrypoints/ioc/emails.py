"""Customer emails: the rules a customer's address must meet, the renderer (Jinja2 templates, built
once), the sender (SMTP when `BITLOOT_SMTP_URL` is set, else the log) and `SendDeliveryEmails`'
settings."""

from datetime import timedelta

from dishka import Provider, Scope, provide

from bitloot.adapters.email.address_rules import EmailValidatorAddresses
from bitloot.adapters.email.jinja_renderer import JinjaEmailRenderer
from bitloot.adapters.email.log_sender import LogEmailSender
from bitloot.adapters.email.smtp_sender import SmtpEmailSender
from bitloot.application.ports.email_addresses import EmailAddressRules
from bitloot.application.ports.email_renderer import EmailRenderer
from bitloot.application.ports.email_sender import EmailSender
from bitloot.application.use_cases.send_delivery_emails import DeliveryEmailSettings
from bitloot.entrypoints.config import Settings


class EmailProvider(Provider):
    scope = Scope.APP

    @provide
    def email_addresses(self) -> EmailAddressRules:
        return EmailValidatorAddresses()

    @provide
    def email_renderer(self) -> EmailRenderer:
        return JinjaEmailRenderer()

    @provide
    def email_sender(self, settings: Settings) -> EmailSender:
        if settings.smtp is None:
            # A production log must not hold a link that reveals keys: it only says an email is owed.
            return LogEmailSender(show_links=not settings.production)
        return SmtpEmailSender(settings.smtp)

    @provide
    def delivery_email_settings(self, settings: Settings) -> DeliveryEmailSettings:
        return DeliveryEmailSettings(lease=timedelta(seconds=settings.tuning.email.lease_seconds))
