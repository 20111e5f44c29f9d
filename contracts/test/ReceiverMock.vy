# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title ERC-721 Receiver Mock (tests only)
@custom:contract-name ReceiverMock
@license GNU Affero General Public License v3.0 only
@author credstack
@notice A contract wallet for `safeTransferFrom` tests: accepts or rejects
        and records what it was told.
"""


accept: public(bool)
last_operator: public(address)
last_from: public(address)
last_token_id: public(uint256)
last_data: public(Bytes[1_024])


@deploy
def __init__(accept: bool):
    """
    @dev Whether `onERC721Received` answers with its selector.
    @param accept True to accept tokens.
    """
    self.accept = accept


@external
def onERC721Received(
    operator: address, sender: address, token_id: uint256, data: Bytes[1_024]
) -> bytes4:
    """
    @dev Records the call; answers the selector or a wrong value.
    @param operator The caller of `safeTransferFrom`.
    @param sender The previous holder.
    @param token_id The token id.
    @param data The data passed along.
    @return bytes4 The selector when accepting, else 0xdeadbeef.
    """
    self.last_operator = operator
    self.last_from = sender
    self.last_token_id = token_id
    self.last_data = data
    if self.accept:
        return method_id("onERC721Received(address,address,uint256,bytes)", output_type=bytes4)
    return 0xDEADBEEF
