"""``liandong drill``: a surge (and optional chaos) driven through the platform's real
front doors with the protocol simulators, then reconciled against what it holds."""
