// Admin end-to-end through the unmodified @medusajs/js-sdk: set up a shop from nothing (region, stock location,
// fulfillment set, service zone, shipping option, product with variants/prices/stock, publishable key), run a store
// checkout with the new key, then run the order lifecycle (fulfil, ship, capture, partial refund, return),
// checking stock levels, payment status and fulfillment status after each step.
// Env: EURYALE_URL, EURYALE_ADMIN_EMAIL, EURYALE_ADMIN_PASSWORD.
import { assert, assertEq, isNum, makeSdk, near, runSteps, uniq } from "./lib.mjs"

const adminEmail = process.env.EURYALE_ADMIN_EMAIL
const adminPassword = process.env.EURYALE_ADMIN_PASSWORD
if (!adminEmail || !adminPassword) {
  console.error("EURYALE_ADMIN_EMAIL and EURYALE_ADMIN_PASSWORD are required")
  process.exit(2)
}
const admin = makeSdk()
let store // created once the publishable key exists
const s = {}
const tag = uniq("e2e")
const CURRENCY = "eur"
const PRICE_S = 25
const PRICE_L = 30
const SHIPPING = 10
const STOCK = 10
const ORDER_FIELDS = [
  "id", "display_id", "status", "currency_code", "email", "+payment_status", "+fulfillment_status", "total", "subtotal",
  "item_total", "shipping_total", "summary", "*items", "*items.detail", "*shipping_methods", "*fulfillments", "*fulfillments.items",
  "*payment_collections", "*payment_collections.payments", "*payment_collections.payments.captures",
  "*payment_collections.payments.refunds",
].join(",")

async function level(inventoryItemId) {
  const res = await admin.admin.inventoryItem.listLevels(inventoryItemId, { location_id: s.location.id })
  const lvl = (res.inventory_levels || []).find((l) => l.location_id === s.location.id)
  assert(lvl, "inventory level at the new location", res)
  return lvl
}

async function expectLevel(what, { stocked, reserved }) {
  const lvl = await level(s.inventoryS.id)
  assertEq(lvl.stocked_quantity, stocked, `${what}: stocked_quantity`)
  assertEq(lvl.reserved_quantity, reserved, `${what}: reserved_quantity`)
  assertEq(lvl.available_quantity, stocked - reserved, `${what}: available_quantity`)
  return { stocked: lvl.stocked_quantity, reserved: lvl.reserved_quantity }
}

async function order() {
  const { order: o } = await admin.admin.order.retrieve(s.order.id, { fields: ORDER_FIELDS })
  return o
}

function payment(o) {
  const p = o.payment_collections?.[0]?.payments?.[0]
  assert(p, "order has a payment", o.payment_collections)
  return p
}

await runSteps("admin", [
  ["admin_login", async () => {
    const token = await admin.auth.login("user", "emailpass", { email: adminEmail, password: adminPassword })
    assert(typeof token === "string" && token.split(".").length === 3, "admin JWT", token)
    const { user } = await admin.admin.user.me()
    assertEq(user.email, adminEmail, "users/me email")
    return { user: user.id }
  }],
  ["sales_channel", async () => {
    const { sales_channel } = await admin.admin.salesChannel.create({ name: `SC ${tag}`, description: "e2e" })
    assert(sales_channel.id?.startsWith("sc_"), "sales channel id", sales_channel)
    s.salesChannel = sales_channel
    return { sales_channel: sales_channel.id }
  }],
  ["region", async () => {
    const { regions } = await admin.admin.region.list({ limit: 1000 })
    const taken = new Set(regions.flatMap((r) => (r.countries || []).map((c) => c.iso_2)))
    const candidates = ["is", "mt", "cy", "lu", "ee", "lv", "lt", "si", "sk", "hr", "ie", "pt", "gr", "fi", "at", "be", "nl"]
    s.country = candidates.find((c) => !taken.has(c))
    assert(s.country, "a country not used by another region")
    const { region } = await admin.admin.region.create({
      name: `Region ${tag}`, currency_code: CURRENCY, countries: [s.country], payment_providers: ["pp_system_default"],
    })
    assert(region.id?.startsWith("reg_"), "region id", region)
    assertEq(region.currency_code, CURRENCY, "region currency")
    assertEq(region.countries?.[0]?.iso_2, s.country, "region country")
    s.region = region
    return { region: region.id, country: s.country }
  }],
  ["stock_location", async () => {
    const { stock_location } = await admin.admin.stockLocation.create({
      name: `Warehouse ${tag}`, address: { address_1: "1 Dock Rd", city: "Valletta", country_code: s.country },
    })
    assert(stock_location.id?.startsWith("sloc_"), "stock location id", stock_location)
    s.location = stock_location
    await admin.admin.stockLocation.updateSalesChannels(stock_location.id, { add: [s.salesChannel.id] })
    await admin.admin.stockLocation.updateFulfillmentProviders(stock_location.id, { add: ["manual_manual"] })
    return { location: stock_location.id }
  }],
  ["fulfillment_set", async () => {
    await admin.admin.stockLocation.createFulfillmentSet(s.location.id, { name: `Shipping ${tag}`, type: "shipping" })
    // Medusa 2.21.2 answers a location's sets only when asked for: read them back as its dashboard does
    const { stock_location } = await admin.admin.stockLocation.retrieve(s.location.id, { fields: "*fulfillment_sets" })
    s.fulfillmentSet = (stock_location.fulfillment_sets || []).find((f) => f.name === `Shipping ${tag}`)
    assert(s.fulfillmentSet, "fulfillment set linked to the location", stock_location)
    return { fulfillment_set: s.fulfillmentSet.id }
  }],
  ["service_zone", async () => {
    const { fulfillment_set } = await admin.admin.fulfillmentSet.createServiceZone(s.fulfillmentSet.id, {
      name: `Zone ${tag}`, geo_zones: [{ type: "country", country_code: s.country }],
    })
    s.serviceZone = (fulfillment_set.service_zones || []).find((z) => z.name === `Zone ${tag}`)
    assert(s.serviceZone, "service zone created", fulfillment_set)
    return { service_zone: s.serviceZone.id }
  }],
  ["shipping_profile", async () => {
    const { shipping_profile } = await admin.admin.shippingProfile.create({ name: `Profile ${tag}`, type: "default" })
    assert(shipping_profile.id?.startsWith("sp_"), "shipping profile id", shipping_profile)
    s.profile = shipping_profile
    return { shipping_profile: shipping_profile.id }
  }],
  ["shipping_option", async () => {
    const { shipping_option } = await admin.admin.shippingOption.create({
      name: `Standard ${tag}`, service_zone_id: s.serviceZone.id, shipping_profile_id: s.profile.id,
      provider_id: "manual_manual", price_type: "flat",
      type: { label: "Standard", description: "2-3 days", code: "standard" },
      prices: [{ currency_code: CURRENCY, amount: SHIPPING }],
      rules: [
        { attribute: "enabled_in_store", value: "true", operator: "eq" },
        { attribute: "is_return", value: "false", operator: "eq" },
      ],
    })
    assert(shipping_option.id?.startsWith("so_"), "shipping option id", shipping_option)
    s.shippingOption = shipping_option
    return { shipping_option: shipping_option.id }
  }],
  ["product", async () => {
    const { product } = await admin.admin.product.create({
      title: `Mug ${tag}`, handle: `mug-${tag}`, status: "published", shipping_profile_id: s.profile.id,
      sales_channels: [{ id: s.salesChannel.id }],
      options: [{ title: "Size", values: ["S", "L"] }],
      variants: [
        { title: "S", sku: `MUG-${tag}-S`, options: { Size: "S" }, manage_inventory: true,
          prices: [{ currency_code: CURRENCY, amount: PRICE_S }] },
        { title: "L", sku: `MUG-${tag}-L`, options: { Size: "L" }, manage_inventory: true,
          prices: [{ currency_code: CURRENCY, amount: PRICE_L }] },
      ],
    })
    assert(product.id?.startsWith("prod_"), "product id", product)
    assertEq(product.variants?.length, 2, "two variants")
    s.product = product
    s.variantS = product.variants.find((v) => v.sku === `MUG-${tag}-S`)
    s.variantL = product.variants.find((v) => v.sku === `MUG-${tag}-L`)
    assert(s.variantS && s.variantL, "variants by sku")
    return { product: product.id }
  }],
  ["stock", async () => {
    for (const [key, sku] of [["inventoryS", `MUG-${tag}-S`], ["inventoryL", `MUG-${tag}-L`]]) {
      const { inventory_items } = await admin.admin.inventoryItem.list({ sku })
      assertEq(inventory_items?.length, 1, `inventory item created for ${sku}`)
      s[key] = inventory_items[0]
      await admin.admin.inventoryItem.batchInventoryItemLocationLevels(s[key].id, {
        create: [{ location_id: s.location.id, stocked_quantity: STOCK }],
      })
    }
    return await expectLevel("after stocking", { stocked: STOCK, reserved: 0 })
  }],
  ["publishable_key", async () => {
    const { api_key } = await admin.admin.apiKey.create({ title: `Key ${tag}`, type: "publishable" })
    assert(api_key.token?.startsWith("pk_"), "publishable token", api_key)
    await admin.admin.apiKey.batchSalesChannels(api_key.id, { add: [s.salesChannel.id] })
    store = makeSdk({ publishableKey: api_key.token })
    s.apiKey = api_key
    return { api_key: api_key.id }
  }],
  ["store_checkout", async () => {
    const { product } = await store.store.product.retrieve(s.product.id, { region_id: s.region.id })
    const v = product.variants.find((x) => x.id === s.variantS.id)
    assert(near(v?.calculated_price?.calculated_amount, PRICE_S), "store sees the admin price", v?.calculated_price)
    const { cart } = await store.store.cart.create({ region_id: s.region.id })
    const addr = { first_name: "Grace", last_name: "Hopper", address_1: "2 Harbour St", city: "Sliema",
      postal_code: "SLM 1000", country_code: s.country }
    await store.store.cart.createLineItem(cart.id, { variant_id: s.variantS.id, quantity: 2 })
    await store.store.cart.update(cart.id, { email: `${tag}@example.com`, shipping_address: addr, billing_address: addr })
    const { shipping_options } = await store.store.fulfillment.listCartOptions({ cart_id: cart.id })
    assert(shipping_options.some((o) => o.id === s.shippingOption.id), "our shipping option is offered",
      shipping_options.map((o) => o.id))
    await store.store.cart.addShippingMethod(cart.id, { option_id: s.shippingOption.id })
    const { cart: full } = await store.store.cart.retrieve(cart.id)
    assert(near(full.total, 2 * PRICE_S + SHIPPING), `cart total ${full.total} = 2×${PRICE_S} + ${SHIPPING}`)
    await store.store.payment.initiatePaymentSession(full, { provider_id: "pp_system_default" })
    const res = await store.store.cart.complete(cart.id)
    assertEq(res.type, "order", "complete type")
    s.order = res.order
    s.lineS = res.order.items.find((i) => i.variant_id === s.variantS.id)
    return { order: res.order.id, total: res.order.total }
  }],
  ["order_confirmation_notification", async () => {
    // the order.placed subscriber runs after commit, in the background: poll the admin notification list
    let found = []
    for (let i = 0; i < 50 && found.length === 0; i++) {
      const res = await admin.admin.notification.list({ resource_id: s.order.id })
      found = (res.notifications || []).filter((n) => n.resource_id === s.order.id && n.trigger_type === "order.placed")
      if (found.length === 0) await new Promise((r) => setTimeout(r, 200))
    }
    assertEq(found.length, 1, "exactly one order-confirmation notification")
    assertEq(found[0].to, `${tag}@example.com`, "notification recipient")
    return { notification: found[0].id, template: found[0].template }
  }],
  ["order_placed", async () => {
    const o = await order()
    assertEq(o.payment_status, "authorized", "payment_status after checkout")
    assertEq(o.fulfillment_status, "not_fulfilled", "fulfillment_status after checkout")
    return await expectLevel("after checkout (reserved)", { stocked: STOCK, reserved: 2 })
  }],
  ["fulfil", async () => {
    const { order: o } = await admin.admin.order.createFulfillment(s.order.id, {
      location_id: s.location.id, items: [{ id: s.lineS.id, quantity: 2 }],
    })
    assertEq(o.id, s.order.id, "fulfil returns the order")
    const after = await order()
    assertEq(after.fulfillment_status, "fulfilled", "fulfillment_status after fulfil")
    s.fulfillment = after.fulfillments[0]
    assert(s.fulfillment?.id?.startsWith("ful_"), "fulfillment id", after.fulfillments)
    return await expectLevel("after fulfil (stock decremented)", { stocked: STOCK - 2, reserved: 0 })
  }],
  ["ship", async () => {
    await admin.admin.order.createShipment(s.order.id, s.fulfillment.id, {
      items: [{ id: s.lineS.id, quantity: 2 }],
      labels: [{ tracking_number: `T-${tag}`, tracking_url: "https://track.example.com", label_url: "https://label.example.com" }],
    })
    const after = await order()
    assertEq(after.fulfillment_status, "shipped", "fulfillment_status after shipment")
    return { fulfillment_status: after.fulfillment_status }
  }],
  ["capture", async () => {
    const p = payment(await order())
    const { payment: captured } = await admin.admin.payment.capture(p.id, {})
    assert(captured.captured_at, "captured_at set", captured)
    const after = await order()
    assertEq(after.payment_status, "captured", "payment_status after capture")
    s.payment = captured
    return { payment: captured.id, amount: captured.amount }
  }],
  ["partial_refund", async () => {
    const { payment: refunded } = await admin.admin.payment.refund(s.payment.id, { amount: 5, note: "e2e partial refund" })
    assertEq(refunded.refunds?.length, 1, "one refund")
    assert(near(refunded.refunds[0].amount, 5), "refund amount")
    const after = await order()
    assertEq(after.payment_status, "partially_refunded", "payment_status after partial refund")
    return { payment_status: after.payment_status }
  }],
  ["return", async () => {
    const created = await admin.admin.return.initiateRequest({ order_id: s.order.id, location_id: s.location.id })
    const ret = created.return
    assert(ret?.id?.startsWith("return_"), "return id", created)
    await admin.admin.return.addReturnItem(ret.id, { items: [{ id: s.lineS.id, quantity: 1 }] })
    await admin.admin.return.confirmRequest(ret.id, {})
    const { return: requested } = await admin.admin.return.retrieve(ret.id)
    assertEq(requested.status, "requested", "return status after request")
    await admin.admin.return.initiateReceive(ret.id, {})
    await admin.admin.return.receiveItems(ret.id, { items: [{ id: s.lineS.id, quantity: 1 }] })
    await admin.admin.return.confirmReceive(ret.id, {})
    const { return: received } = await admin.admin.return.retrieve(ret.id)
    assertEq(received.status, "received", "return status after receive")
    return { return: ret.id, ...(await expectLevel("after return received (restocked)", { stocked: STOCK - 1, reserved: 0 })) }
  }],
  ["order_after_return", async () => {
    const o = await order()
    const detail = o.items.find((i) => i.id === s.lineS.id)?.detail
    assert(detail, "item detail", o.items)
    assertEq(detail.fulfilled_quantity, 2, "fulfilled_quantity")
    assertEq(detail.shipped_quantity, 2, "shipped_quantity")
    assertEq(detail.return_received_quantity, 1, "return_received_quantity")
    assert(near(o.summary?.paid_total, 2 * PRICE_S + SHIPPING), `summary.paid_total ${o.summary?.paid_total}`)
    assert(near(o.summary?.refunded_total, 5), `summary.refunded_total ${o.summary?.refunded_total}`)
    const { orders } = await admin.admin.order.list({ limit: 100, fields: "id" })
    assert(orders.some((x) => x.id === s.order.id), "the order is in the admin order list")
    return { payment_status: o.payment_status, fulfillment_status: o.fulfillment_status, summary: o.summary }
  }],
])
