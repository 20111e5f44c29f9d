"""titanoboa set-up for the property tests (see `world.patch_boa`)."""

from tests.properties.world import patch_boa

patch_boa()
