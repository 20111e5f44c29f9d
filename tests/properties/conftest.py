"""titanoboa set-up for the property tests."""

import boa
from boa.contracts.vyper.vyper_contract import VyperContract

# A failing boa call puts `repr(contract)` in its message, and the default
# repr dumps the whole contract storage: thousands of lines per failure.
VyperContract.__repr__ = lambda self: f"<{self.contract_name} at {self.address}>"  # type: ignore[method-assign]

# Skips boa's per-call bookkeeping that the property tests do not use.
boa.env.enable_fast_mode()
