"""Local fakes of the external services Mutua talks to, speaking their real wire formats.

Tests start them on a real port and point Mutua's settings at them; development commands
(`mutua plaid fake`, ...) serve them for trying Mutua without an account anywhere. They live
in the project, not in tests/, because those commands need them too. Nothing in Mutua's own
packages imports them.
"""
