"""QR payloads, label sheet layouts, label rendering and scan parsing (issue 3)."""
