"""Building the real gateways' adapters from settings (`MUTUA_SMS_PROVIDER=twilio`)."""

from __future__ import annotations

from core.settings import Settings
from notifications.providers import SmsProvider


def gateway_provider(name: str, settings: Settings) -> SmsProvider:
    public = settings.public_url.rstrip("/")
    if name == "twilio":
        from notifications.twilio import TwilioSmsProvider

        return TwilioSmsProvider(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            api_url=settings.twilio_api_url,
            from_number=settings.twilio_from,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            status_callback=f"{public}/v1/sms/twilio/status" if public else "",
        )
    from notifications.africastalking import AfricasTalkingSmsProvider

    return AfricasTalkingSmsProvider(
        username=settings.africastalking_username,
        api_key=settings.africastalking_api_key,
        api_url=settings.africastalking_api_url,
        sender=settings.africastalking_from,
    )
