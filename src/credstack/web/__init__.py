"""The verification web app (`ape run serve`): read-only pages and JSON over
the chain, the analytics index where present, and the Open Badges 3.0
export directory. It holds no key and sends no transaction."""
