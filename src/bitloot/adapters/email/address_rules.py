"""Email addresses read by email-validator (RFC 5321/5322 syntax, IDNA domains), not a regex of ours."""

from email_validator import EmailNotValidError, validate_email

from bitloot.domain.errors import InvalidValue


class EmailValidatorAddresses:
    """Syntax only: no DNS lookup at order time (no network on the request path, and a domain whose
    DNS is down for a minute must not lose a sale). Addresses needing SMTPUTF8 are refused, because a
    mail server that does not speak it would bounce the delivery email."""

    def normalized(self, text: str) -> str:
        try:
            return validate_email(
                text.strip(),
                check_deliverability=False,
                allow_smtputf8=False,
                allow_display_name=False,
                strict=True,
            ).normalized
        except EmailNotValidError:
            raise InvalidValue("The email address is not valid.") from None
