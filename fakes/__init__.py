"""Local fakes of the external services Mutua talks to, speaking their real wire formats.

Tests start them on a real port and point Mutua's settings at them; development commands
(`mutua sms fake`, `mutua plaid fake`) serve them for trying Mutua without an account
anywhere. One module per service: `fakes.twilio`, `fakes.africastalking`, `fakes.plaid`.
They live in the project, not in tests/, because those commands need them too; nothing in
Mutua's own packages imports them.
"""
