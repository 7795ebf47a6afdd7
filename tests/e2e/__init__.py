"""End-to-end: store and carrier webhooks over HTTP into Ordertalk, out to the sandbox phones."""
