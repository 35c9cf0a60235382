"""The channels' side of delivery (``core.delivery``): the SMS sender with provider
fallback, and the public acknowledgement link work messages carry."""
