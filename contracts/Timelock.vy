# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title credstack Timelock
@custom:contract-name Timelock
@license GNU Affero General Public License v3.0 only
@author credstack
@notice snekmate's `timelock_controller`, unchanged. It holds the
        registry's admin role. Its only proposer, canceller and executor is
        the `Council`; it administers itself, so changing its roles or its
        delay is itself a timelocked operation.
"""


from snekmate.auth import access_control
initializes: access_control


from snekmate.governance import timelock_controller
initializes: timelock_controller[access_control := access_control]


exports: timelock_controller.__interface__


@deploy
@payable
def __init__(
    minimum_delay_: uint256,
    proposers_: DynArray[address, 255],
    executors_: DynArray[address, 255],
    admin_: address,
):
    """
    @dev See snekmate's `timelock_controller.__init__`. credstack deploys it
         with the council as sole proposer and executor and no admin.
    @param minimum_delay_ The minimum delay, in seconds.
    @param proposers_ The accounts granted the proposer and canceller roles.
    @param executors_ The accounts granted the executor role.
    @param admin_ An optional extra admin (the zero address for none).
    """
    access_control.__init__()
    timelock_controller.__init__(minimum_delay_, proposers_, executors_, admin_)
