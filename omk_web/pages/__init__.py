"""Server-rendered pages in Russian (Jinja templates, no build step)."""

from __future__ import annotations

from typing import Any

from omk_web.live import live_auction_bids, live_lot
from omk_web.pages.account import HomePage, SignInPages
from omk_web.pages.admin import AdminPages
from omk_web.pages.browse import BrowsePages
from omk_web.pages.calendar import CalendarPages
from omk_web.pages.devoutbox import dev_outbox
from omk_web.pages.help import HelpPages, SupportPages
from omk_web.pages.lot import LotPages
from omk_web.pages.onboarding import InvitationPages, PasswordResetPages, RegistrationPages
from omk_web.pages.settings import SettingsPages

CONTROLLERS: list[Any] = [HomePage, SignInPages, AdminPages, dev_outbox, RegistrationPages, InvitationPages,
                          PasswordResetPages, LotPages, HelpPages, SupportPages,
                          live_lot, live_auction_bids, SettingsPages, CalendarPages, BrowsePages]
