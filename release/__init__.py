"""Release tooling: the public-API check against the last release and the spec-level diff for the changelog."""
