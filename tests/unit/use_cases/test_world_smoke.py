from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, RevealRequest
from bitloot.domain.audit import ClientInfo
from tests.unit.conftest import World


async def test_a_paid_order_is_fulfilled_and_revealed(world: World) -> None:
    placed = await world.fulfilled_order(keys=["AAAA-BBBB"])
    result = await world.reveal_use_case().execute(
        RevealRequest(
            AccessTokenCredential(placed.order.id, placed.access_token), ClientInfo("1.2.3.4", "ua")
        )
    )
    assert [k.key.secret for k in result.keys] == [b"AAAA-BBBB"]
