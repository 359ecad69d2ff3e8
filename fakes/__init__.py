"""Local fakes of external services, speaking their real wire formats over HTTP.

Used by the tests and by development commands (`mutua sms fake`); never imported by the
service itself. One module per service: `fakes.twilio`, `fakes.africastalking`.
"""
