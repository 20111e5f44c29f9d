# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Arbitrum NodeInterface Mock (tests only)
@custom:contract-name NodeInterfaceMock
@license GNU Affero General Public License v3.0 only
@author credstack
@notice Answers `gasEstimateL1Component(to, contractCreation, data)` as
        Arbitrum's NodeInterface does (OffchainLabs/nitro-contracts,
        src/node-interface/NodeInterface.sol): the L2 gas a transaction pays
        for its L1 data, the L2 base fee, and ArbOS's estimate of the L1
        base fee. The real NodeInterface is virtual (a node answers eth_call
        at 0x00000000000000000000000000000000000000C8; there is no code
        there); this mock is real code, with a gas figure proportional to the
        calldata's length, so a test can tell that the real calldata was sent.
"""


# The largest calldata the mock takes (an issue_batch of about 600 rows).
MAX_DATA: constant(uint256) = 65_536


l1_gas_per_byte: public(uint64)
base_fee: public(uint256)
l1_base_fee_estimate: public(uint256)


@external
def set_prices(l1_gas_per_byte: uint64, base_fee: uint256, l1_base_fee_estimate: uint256):
    """
    @dev Sets what `gasEstimateL1Component` answers.
    @param l1_gas_per_byte L2 gas charged per calldata byte for L1 data.
    @param base_fee The L2 base fee in wei.
    @param l1_base_fee_estimate The L1 base fee estimate in wei.
    """
    self.l1_gas_per_byte = l1_gas_per_byte
    self.base_fee = base_fee
    self.l1_base_fee_estimate = l1_base_fee_estimate


@view
@external
def gasEstimateL1Component(
    to: address, contractCreation: bool, data: Bytes[MAX_DATA]
) -> (uint64, uint256, uint256):
    """
    @notice The L1 component of a transaction's gas, as NodeInterface
            answers it.
    @param to The transaction's recipient (ignored on contract creation).
    @param contractCreation Whether the transaction creates a contract.
    @param data The transaction's calldata.
    @return uint64 gasEstimateForL1: the L2 gas paying for the L1 data.
    @return uint256 baseFee: the L2 base fee.
    @return uint256 l1BaseFeeEstimate: ArbOS's L1 base fee estimate.
    """
    gas_for_l1: uint64 = convert(len(data), uint64) * self.l1_gas_per_byte
    return gas_for_l1, self.base_fee, self.l1_base_fee_estimate
