"""Reading the L2 fee lines of an issuance plan as `ape run issue` prints
them, and the Fjord formula as Optimism's spec writes it: shared by the
tooling and end-to-end fee tests."""

from __future__ import annotations

import re
from decimal import Decimal

GWEI = 10**9
# A line for the plan's transactions of one length, e.g. "    2 transactions
# of 656 bytes: 62.961745249 gwei each" or, on Arbitrum, "...: 9,792 gas at
# 0.02 gwei = 195.84 gwei each".
BATCH_LINE = re.compile(
    r"^    (\d+) transactions? of ([\d,]+) bytes: (?:([\d,]+) gas at ([\d,.]+) gwei = )?"
    r"([\d,.]+) gwei each$"
)


def gwei_to_wei(text: str) -> int:
    return int(Decimal(text.replace(",", "")) * GWEI)


def batch_lines(output: str) -> list[tuple[int, int, int, int, int]]:
    """(copies, size, gas, base fee, fee) per transaction length; gas and
    base fee are 0 where the fee is not paid as gas (OP stack)."""
    batches = []
    for line in output.splitlines():
        if match := BATCH_LINE.match(line):
            copies, size, gas, base_fee, fee = match.groups()
            batches.append(
                (
                    int(copies),
                    int(size.replace(",", "")),
                    int(gas.replace(",", "")) if gas else 0,
                    gwei_to_wei(base_fee) if base_fee else 0,
                    gwei_to_wei(fee),
                )
            )
    return batches


def line(output: str, start: str) -> str:
    """The first line of the output that starts with ``start``."""
    return next(text for text in output.splitlines() if text.startswith(start))


def eth(text: str) -> Decimal:
    """The amount of ETH a plan line states."""
    match = re.search(r"([\d.]+) ETH", text)
    assert match, text
    return Decimal(match.group(1))


def to_eth(wei: int) -> Decimal:
    """Wei as the plan's L2 lines print ETH: to the gwei."""
    return round(Decimal(wei) / 10**18, 9)


def fjord_upper_bound(
    size: int, l1_base_fee: int, blob_base_fee: int, scalar: int, blob_scalar: int
) -> int:
    """GasPriceOracle.getL1FeeUpperBound(size) after Fjord, as Optimism's
    specs write it (protocol/fjord/predeploys.md, exec-engine.md)."""
    tx_size = size + 68
    flz_upper_bound = tx_size + tx_size // 255 + 16
    estimated = max(-42_585_600 + 836_500 * flz_upper_bound, 100 * 10**6)
    return estimated * (scalar * l1_base_fee * 16 + blob_scalar * blob_base_fee) // 10**12
