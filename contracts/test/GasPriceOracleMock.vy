# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title OP-stack GasPriceOracle Mock (tests only)
@custom:contract-name GasPriceOracleMock
@license GNU Affero General Public License v3.0 only
@author credstack
@notice The part of the OP-stack GasPriceOracle predeploy
        (0x420000000000000000000000000000000000000F) that credstack reads:
        `isFjord` and the Fjord `getL1FeeUpperBound(unsignedTxSize)`, with
        the L1 fee parameters settable instead of read from the L1Block
        predeploy. The formula follows Optimism's GasPriceOracle.sol
        (`getL1FeeUpperBound`, `_fjordL1Cost`, `_fjordLinearRegression`) and
        the Fjord specs (specs/protocol/fjord/predeploys.md, exec-engine.md).
        Tests install its runtime code at the predeploy address
        (`anvil_setCode`); storage then starts empty, so `isFjord` is false
        until `set_fjord` is called, as on a chain before the upgrade.
"""


# The Fjord linear regression from a FastLZ size to the Brotli size, scaled
# by 1e6 (GasPriceOracle.sol's COST_INTERCEPT, COST_FASTLZ_COEF).
COST_INTERCEPT: constant(int256) = -42_585_600
COST_FASTLZ_COEF: constant(uint256) = 836_500
# Estimates below this many bytes count as this many.
MIN_TRANSACTION_SIZE: constant(uint256) = 100
# The scalars' decimals, and the two scales (size and scalar) divided out.
DECIMALS: public(constant(uint256)) = 6
SCALE: constant(uint256) = 10**6
FEE_SCALE: constant(uint256) = 10**12
# Bytes added to an unsigned transaction's size for its signature.
SIGNATURE_SIZE: constant(uint256) = 68


isFjord: public(bool)
l1BaseFee: public(uint256)
blobBaseFee: public(uint256)
baseFeeScalar: public(uint32)
blobBaseFeeScalar: public(uint32)


@external
def set_fjord(active: bool):
    """
    @dev Turns the Fjord upgrade on or off (the real oracle's `setFjord`
         is the depositor account's, once).
    @param active True after Fjord.
    """
    self.isFjord = active


@external
def set_fees(
    l1_base_fee: uint256,
    blob_base_fee: uint256,
    base_fee_scalar: uint32,
    blob_base_fee_scalar: uint32,
):
    """
    @dev Sets what the real oracle reads from the L1Block predeploy.
    @param l1_base_fee The L1 base fee in wei.
    @param blob_base_fee The L1 blob base fee in wei.
    @param base_fee_scalar The base fee scalar, scaled by 1e6.
    @param blob_base_fee_scalar The blob base fee scalar, scaled by 1e6.
    """
    self.l1BaseFee = l1_base_fee
    self.blobBaseFee = blob_base_fee
    self.baseFeeScalar = base_fee_scalar
    self.blobBaseFeeScalar = blob_base_fee_scalar


@view
@external
def getL1FeeUpperBound(unsignedTxSize: uint256) -> uint256:
    """
    @notice An upper bound of the L1 data fee of a transaction whose
            unsigned RLP serialization is `unsignedTxSize` bytes.
    @dev The signature is counted as 68 bytes; FastLZ's worst case as
         size + size / 255 + 16 (covers 99.99% of transactions, per the
         Fjord spec); then the Fjord cost:
         max(intercept + coef * flz, 100e6) * l1FeeScaled / 1e12 with
         l1FeeScaled = baseFeeScalar * l1BaseFee * 16
         + blobBaseFeeScalar * blobBaseFee.
    @param unsignedTxSize Bytes of the unsigned, fully RLP-encoded transaction.
    @return uint256 The fee in wei.
    """
    assert self.isFjord, "GasPriceOracle: getL1FeeUpperBound only supports Fjord"
    tx_size: uint256 = unsignedTxSize + SIGNATURE_SIZE
    flz_upper_bound: uint256 = tx_size + tx_size // 255 + 16
    estimated: int256 = COST_INTERCEPT + convert(COST_FASTLZ_COEF * flz_upper_bound, int256)
    minimum: int256 = convert(MIN_TRANSACTION_SIZE * SCALE, int256)
    if estimated < minimum:
        estimated = minimum
    fee_scaled: uint256 = (
        convert(self.baseFeeScalar, uint256) * 16 * self.l1BaseFee
        + convert(self.blobBaseFeeScalar, uint256) * self.blobBaseFee
    )
    return convert(estimated, uint256) * fee_scaled // FEE_SCALE
