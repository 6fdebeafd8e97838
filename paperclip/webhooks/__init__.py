"""Webhooks' pure parts: signatures (`signing`), what a hook makes of a delivery (`hooks`), and what
a subscription is sent (`outgoing`). The models are in `paperclip.models.webhooks`."""
