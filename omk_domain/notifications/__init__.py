"""Notifications: the email and SMS messages the portal sends (codes, links, notices)."""
