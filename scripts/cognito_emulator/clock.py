"""Each user pool's clock."""

import time

from .state import CLOCK_OFFSETS

# rule pool-clock: each pool has a clock of its own that a test moves on.
# Time as each user pool sees it: the real clock plus what POST /_emulator/clock moved it on by.
# It stands in for time passing, so that what lapses after minutes or days (a challenge
# session's AuthSessionValidity, a refresh token's RefreshTokenValidity) is tested at once, one
# pool at a time. Only the emulator's own deadlines read it: tokens are minted on the real clock.
# (CLOCK_OFFSETS, in state.py.)
def pool_now(pool_id):
    return time.time() + CLOCK_OFFSETS.get(pool_id, 0)
