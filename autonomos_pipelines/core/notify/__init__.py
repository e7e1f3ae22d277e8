"""Notifications to a Slack-compatible webhook: the message, its delivery, and the outbox
table that makes sure each event is announced once."""
