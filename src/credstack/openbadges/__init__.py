"""Open Badges 3.0 for credstack tokens: credentials signed by the issuer's
Ed25519 key (eddsa-rdfc-2022), bound to its on-chain account by EIP-712,
status lists derived from the chain, and a verifier (``verify_document``)."""
