"""The SMS and USSD channel: one conversation engine, one adapter per gateway.

Design:
- `inbound.receive` takes a text from any gateway and handles it exactly once per gateway
  message id (Twilio's `MessageSid`), in one transaction with everything it does; a retry
  gets the stored reply back.
- `conversation.converse` is the engine: opt-out words first (Twilio's and every catalog's
  local words), then the per-phone limit, then an exchange under way, then the commands
  (JOIN, INCOME, BALANCE, SAVE/TARGET, WHY [n], APPEAL, LANG, HELP). It calls the same
  services as the API (`pools.service.join_pool`, `income.service.record_manual`,
  `runs.service.worker_plan`, `appeals.service.file_appeal`, `pools.profile.update_profile`)
  and reads what the monthly run stored; it never computes money itself.
- `ussd` walks the same services through numbered menus, stateless: Africa's Talking sends
  the whole path of answers (`1*450*uber*1`) with every request.
- Replies are catalog templates rendered for SMS in the worker's language; USSD screens are
  templates flagged `ussd`, which the catalog check holds to one screen.
- Gateway wire formats (Twilio's signature, TwiML; Africa's Talking's forms) live at the
  edge (`api/routes/`, `channels/twilio_signature.py`); the engine sees a phone and a text.
"""
