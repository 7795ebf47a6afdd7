"""The demo store's seven customers and what happens to each of their orders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ordertalk.demo_data.carriers import (
    AfterShipTracking,
    EasyPostTracker,
    clickpost_forward,
    clickpost_return_request,
    clickpost_reverse,
)
from ordertalk.demo_data.model import (
    Action,
    ContactSync,
    Customer,
    Inbound,
    Item,
    NotOnWhatsApp,
    Order,
    Parcel,
    Step,
    Story,
)
from ordertalk.demo_data.stores import (
    WooOrder,
    shopify_fulfillment,
    shopify_order,
    shopify_refund,
    shopify_tracking,
)

# --- the scenario -------------------------------------------------------------------------


def _inbound(text: str) -> Callable[[datetime], Action]:
    return lambda _at: Inbound(text)


def _contact(language: str) -> Callable[[datetime], Action]:
    return lambda _at: ContactSync(language)


def _not_on_whatsapp(_at: datetime) -> Action:
    return NotOnWhatsApp()


PRIYA = Customer(
    "priya", "Priya", "Sharma", "+91 98765 43210", "919876543210", "IN", "Asia/Kolkata", "hi",
    "Pune", "411001", "Shopify COD order, ClickPost: a failed delivery attempt, then delivered",
)  # fmt: skip
JOAO = Customer(
    "joao", "João", "Silva", "+55 11 91234-5678", "5511912345678", "BR", "America/Sao_Paulo",
    "pt-BR", "São Paulo", "01310-100", "Shopify prepaid, AfterShip: held at customs, delivered",
)  # fmt: skip
LUCIA = Customer(
    "lucia", "Lucía", "García", "+34 612 34 56 78", "34612345678", "ES", "Europe/Madrid", "es",
    "Valencia", "46001", "Shopify prepaid, split into two parcels, each delivered",
)  # fmt: skip
ANANYA = Customer(
    "ananya", "Ananya", "Iyer", "+91 99001 22334", "919900122334", "IN", "Asia/Kolkata", "en",
    "Bengaluru", "560001", "Shopify prepaid, delivered, returned through ClickPost, refunded",
)  # fmt: skip
SITI = Customer(
    "siti", "Siti", "Rahayu", "+62 812-3456-7890", "6281234567890", "ID", "Asia/Jakarta", "id",
    "Jakarta Selatan", "12190", "Shopify prepaid, replies STOP after it ships",
)  # fmt: skip
BUDI = Customer(
    "budi", "Budi", "Santoso", "0812-9876-5432", "6281298765432", "ID", "Asia/Jakarta", "id",
    "Bandung", "40115", "Shopify COD, but the number is not on WhatsApp",
)  # fmt: skip
JAVIER = Customer(
    "javier", "Javier", "Martín", "+34 699 11 22 33", "34699112233", "ES", "Europe/Madrid", "es",
    "Sevilla", "41001", "WooCommerce order, EasyPost tracker: a weather delay, delivered",
)  # fmt: skip

CUSTOMERS = (PRIYA, JOAO, LUCIA, ANANYA, SITI, BUDI, JAVIER)


def _priya() -> Story:
    order = Order(
        "5302002002", "2041", PRIYA,
        (Item(6602, "Cotton kurta, indigo", "KRT-IND-L", "1299.00"),
         Item(6603, "Dupatta", "DPT-01", "200.00")),
        "INR", "1499.00", "Cash on Delivery (COD)", "pending",
    )  # fmt: skip
    awb = Parcel(0, "Delhivery Surface", "4210610508756", "")
    hub = "Pune_Hadapsar_DC (Maharashtra)"
    steps = (
        Step("Shopify orders/create (cash on delivery)", shopify_order(order)),
        Step(
            "ClickPost 4 picked up",
            clickpost_forward(
                order,
                awb,
                4,
                "PickedUp",
                "Picked Up",
                "Shipment picked up from seller",
                "Pune_Bhosari_PC (Maharashtra)",
            ),
        ),
        Step(
            "ClickPost 6 out for delivery",
            clickpost_forward(
                order, awb, 6, "OutForDelivery", "Dispatched", "Out for delivery", hub
            ),
        ),
        Step(
            "ClickPost 9 failed delivery",
            clickpost_forward(
                order, awb, 9, "FailedDelivery", "Undelivered", "Consignee unavailable", hub
            ),
        ),
        Step(
            "ClickPost 6 out for delivery again",
            clickpost_forward(
                order, awb, 6, "OutForDelivery", "Dispatched", "Out for delivery", hub
            ),
        ),
        Step(
            "ClickPost 8 delivered",
            clickpost_forward(
                order, awb, 8, "Delivered", "Delivered", "Delivered to consignee", hub
            ),
        ),
    )
    expect = (
        "cod_confirmation", "shipment_dispatched", "out_for_delivery", "delivery_attempt_failed",
        "out_for_delivery", "delivered",
    )  # fmt: skip
    return Story(PRIYA, order, steps, expect)


def _joao() -> Story:
    order = Order(
        "5303003003", "3107", JOAO, (Item(6604, "Tênis de corrida", "TN-RUN-42", "289.90"),),
        "BRL", "289.90", "mercado_pago", "paid",
    )  # fmt: skip
    parcel = Parcel(
        4403003, "Correios", "OJ123456789BR", "https://rastreamento.correios.com.br/OJ123456789BR"
    )
    track = AfterShipTracking(order, "brazil-correios", parcel.tracking_number)
    steps = (
        Step("Shopify orders/create (paid)", shopify_order(order)),
        Step("Shopify fulfillments/create (Correios)", shopify_fulfillment(order, parcel, 1)),
        Step(
            "AfterShip InTransit_001",
            track.update("InTransit", "InTransit_001", "In Transit", "Objeto em trânsito", 4),
        ),
        Step(
            "AfterShip Exception_004 (customs)",
            track.update(
                "Exception",
                "Exception_004",
                "Delayed (Customs clearance)",
                "Objeto aguardando fiscalização aduaneira",
                6,
            ),
        ),
        Step(
            "AfterShip OutForDelivery_001",
            track.update(
                "OutForDelivery",
                "OutForDelivery_001",
                "Out for Delivery",
                "Objeto saiu para entrega ao destinatário",
            ),
        ),
        Step(
            "AfterShip Delivered_001",
            track.update("Delivered", "Delivered_001", "Delivered", "Objeto entregue"),
        ),
    )
    expect = (
        "order_confirmed", "shipment_dispatched", "shipment_in_transit", "shipment_delayed",
        "out_for_delivery", "delivered",
    )  # fmt: skip
    return Story(JOAO, order, steps, expect)


def _lucia() -> Story:
    oil = Item(6607, "Aceite de oliva virgen extra 1L", "AOVE-1L", "14.50", 3)
    saffron = Item(6608, "Azafrán 2g", "AZF-2G", "31.00")
    order = Order(
        "5305005005", "5009", LUCIA, (oil, saffron), "EUR", "74.50", "shopify_payments", "paid"
    )
    first = Parcel(
        4405005, "Correos", "PQ4F6P0712345670128001X",
        "https://www.correos.es/es/es/herramientas/localizador/envios/detalle"
        "?tracking-number=PQ4F6P0712345670128001X",
        (oil,),
    )  # fmt: skip
    second = Parcel(
        4405006, "SEUR", "SEU9876543210ES", "https://www.seur.com/livetracking/?segOnlineIdentificador=SEU9876543210ES",
        (saffron,),
    )  # fmt: skip
    steps = (
        Step("Shopify orders/create (paid, 2 items)", shopify_order(order)),
        Step("Shopify fulfillments/create #1 (Correios)", shopify_fulfillment(order, first, 1)),
        Step("Shopify fulfillments/create #2 (SEUR)", shopify_fulfillment(order, second, 2)),
        Step(
            "Shopify fulfillment_events/create #1 delivered",
            shopify_tracking(order, first, "delivered", "Entregado"),
        ),
        Step(
            "Shopify fulfillment_events/create #2 out_for_delivery",
            shopify_tracking(order, second, "out_for_delivery", "En reparto"),
        ),
        Step(
            "Shopify fulfillment_events/create #2 delivered",
            shopify_tracking(order, second, "delivered", "Entregado"),
        ),
    )
    expect = (
        "order_confirmed", "shipment_dispatched", "shipment_dispatched", "delivered",
        "out_for_delivery", "delivered",
    )  # fmt: skip
    return Story(LUCIA, order, steps, expect)


def _ananya() -> Story:
    order = Order(
        "5302002077", "2077", ANANYA, (Item(6621, "Silk stole, saffron", "STL-SLK-01", "2499.00"),),
        "INR", "2499.00", "razorpay", "paid",
    )  # fmt: skip
    parcel = Parcel(
        4402077,
        "Delhivery",
        "4210610512345",
        "https://www.delhivery.com/track/package/4210610512345",
    )
    reverse = Parcel(0, "Xpressbees Reverse", "14231710098765", "")
    ref, why = "RET-2077-01", "Colour differs from the photo"
    steps = (
        Step("Shopify orders/create (paid)", shopify_order(order)),
        Step("Shopify fulfillments/create (Delhivery)", shopify_fulfillment(order, parcel, 1)),
        Step(
            "ClickPost 8 delivered",
            clickpost_forward(
                order,
                parcel,
                8,
                "Delivered",
                "Delivered",
                "Delivered to consignee",
                "Bengaluru_Koramangala_DC (Karnataka)",
            ),
        ),
        Step(
            "ClickPost returns 101 placed",
            clickpost_return_request(order, ref, parcel, 101, 11, why),
        ),
        Step(
            "ClickPost returns 102 approved",
            clickpost_return_request(order, ref, parcel, 102, 22, why),
        ),
        Step(
            "ClickPost reverse 25 out for pickup",
            clickpost_reverse(
                order,
                ref,
                parcel,
                reverse,
                25,
                "OutForPickup",
                "Out For Pickup",
                "Field executive out for pickup",
                why,
            ),
        ),
        Step(
            "ClickPost reverse 4 picked up",
            clickpost_reverse(
                order,
                ref,
                parcel,
                reverse,
                4,
                "PickedUp",
                "Picked Up",
                "Return picked up from customer",
                why,
            ),
        ),
        Step("Shopify refunds/create (success)", shopify_refund(order, 8802077, "Return " + ref)),
    )
    expect = (
        "order_confirmed", "shipment_dispatched", "delivered", "return_requested",
        "return_approved", "return_pickup_scheduled", "return_picked_up", "refund_completed",
    )  # fmt: skip
    return Story(ANANYA, order, steps, expect)


def _siti() -> Story:
    order = Order(
        "5304004004", "4012", SITI, (Item(6605, "Batik tulis kemeja", "BTK-KMJ-M", "350000.00"),),
        "IDR", "350000.00", "midtrans", "paid",
    )  # fmt: skip
    parcel = Parcel(4404004, "JNE", "JNE0123456789012", "https://www.jne.co.id/tracking")
    track = AfterShipTracking(order, "jne", parcel.tracking_number)
    steps = (
        Step("Shopify orders/create (paid)", shopify_order(order)),
        Step("Shopify fulfillments/create (JNE)", shopify_fulfillment(order, parcel, 1)),
        Step("Siti writes STOP", _inbound("STOP")),
        Step(
            "AfterShip OutForDelivery_001",
            track.update(
                "OutForDelivery",
                "OutForDelivery_001",
                "Out for Delivery",
                "Paket sedang diantar kurir",
            ),
        ),
        Step(
            "AfterShip Delivered_001",
            track.update("Delivered", "Delivered_001", "Delivered", "Paket telah diterima"),
        ),
    )
    return Story(
        SITI,
        order,
        steps,
        expect=("order_confirmed", "shipment_dispatched", "optout_confirmed"),
        not_sent=(("out_for_delivery", "opted_out"), ("delivered", "opted_out")),
    )


def _budi() -> Story:
    order = Order(
        "5306006006", "6002", BUDI, (Item(6606, "Kopi Arabika Gayo 250g", "KOPI-GAYO-250",
                                          "92500.00", 2),),
        "IDR", "185000.00", "cash_on_delivery", "pending",
    )  # fmt: skip
    track = AfterShipTracking(order, "jne", "JNE0987654321098")
    steps = (
        Step("Budi's number has no WhatsApp account", _not_on_whatsapp),
        Step("Shopify orders/create (cash on delivery)", shopify_order(order)),
        Step(
            "AfterShip InTransit_002 (picked up)",
            track.update("InTransit", "InTransit_002", "Acceptance scan", "Paket diterima JNE", 3),
        ),
    )
    return Story(
        BUDI,
        order,
        steps,
        expect=(),
        not_sent=(
            ("cod_confirmation", "not_on_whatsapp"),
            ("shipment_dispatched", "not_on_whatsapp"),
        ),
    )


def _javier() -> Story:
    order = Order(
        "2210", "2210", JAVIER, (Item(510, "Abanico pintado a mano", "ABN-01", "29.50", 2),),
        "EUR", "59.00", "stripe", "paid",
    )  # fmt: skip
    parcel = Parcel(
        0, "CorreosExpress", "3230012345678901", "https://s.correosexpress.com/3230012345678901"
    )
    tracker = EasyPostTracker(order, "CorreosExpress", parcel.tracking_number)
    woo = WooOrder(order)
    steps = (
        Step("CRM sync: POST /v1/contacts (language es)", _contact("es")),
        Step("WooCommerce order.created (processing)", woo.webhook("processing")),
        Step("WooCommerce order.updated (completed, tracking)", woo.webhook("completed", parcel)),
        Step(
            "EasyPost tracker.updated in_transit/weather_delay",
            tracker.update(
                "in_transit", "weather_delay", "Retraso por condiciones meteorológicas", 2
            ),
        ),
        Step(
            "EasyPost tracker.updated out_for_delivery",
            tracker.update("out_for_delivery", "out_for_delivery", "En reparto", 0),
        ),
        Step(
            "EasyPost tracker.updated delivered",
            tracker.update("delivered", "arrived_at_destination", "Entregado", 0),
        ),
    )
    expect = (
        "order_confirmed", "shipment_dispatched", "shipment_delayed", "out_for_delivery",
        "delivered",
    )  # fmt: skip
    return Story(JAVIER, order, steps, expect)


def scenario() -> list[Story]:
    """Every customer's story, fresh (the trackers remember checkpoints as they are played)."""
    return [_priya(), _joao(), _lucia(), _ananya(), _siti(), _budi(), _javier()]
