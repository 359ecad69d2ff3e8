"""The administrators' audit log: who did what to a pool, when, and from where.

A cooperative's members trust decisions they can check. Every administrator action that
changes a pool or a member's money (a pool created, an administrator granted, a run
started, an appeal decided, a rule proposed or changed) is written here in the same
transaction as the action itself, so there is no action without its entry and no entry
for an action that rolled back. The table is append-only in the database itself (a
trigger refuses UPDATE and DELETE, as for ledger transfers); administrators of the pool
read it, nobody can change it.
"""

from audit.service import AUDIT_ACTIONS, Actor, audit_page, record

__all__ = ["AUDIT_ACTIONS", "Actor", "audit_page", "record"]
