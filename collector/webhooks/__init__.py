"""Webhooks (DESIGN §11): endpoints and their log (``service``), sending (``delivery``),
outbound HTTP with its address guard (``outbound``)."""
