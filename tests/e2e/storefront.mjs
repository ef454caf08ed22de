// Storefront end-to-end: the checkout a Next.js storefront performs, through the unmodified @medusajs/js-sdk.
// browse regions → products → cart → line items → addresses → shipping → payment → complete → register →
// log in → me → orders, then a second checkout as the logged-in customer whose order must appear in their list.
// Env: EURYALE_URL (default http://127.0.0.1:9000), EURYALE_PUBLISHABLE_KEY (required).
// Prints one JSON line per step; exits 1 on the first failed step.
import { assert, assertEq, isNum, makeSdk, near, runSteps, uniq } from "./lib.mjs"

const pk = process.env.EURYALE_PUBLISHABLE_KEY
if (!pk) {
  console.error("EURYALE_PUBLISHABLE_KEY is required")
  process.exit(2)
}
const sdk = makeSdk({ publishableKey: pk })
const s = {} // state shared between steps
const email = `${uniq("shopper")}@example.com`
const password = `pw-${uniq("s")}-Secret!`

function address(country) {
  return {
    first_name: "Ada", last_name: "Lovelace", address_1: "1 Analytical Way", city: "London",
    postal_code: "N1 9GU", country_code: country, phone: "+44 20 0000 0000",
  }
}

function priceOf(variant) {
  return variant?.calculated_price?.calculated_amount
}

function checkCartTotals(cart, what) {
  for (const k of ["total", "subtotal", "tax_total", "item_total", "item_subtotal", "shipping_total", "discount_total"]) {
    assert(isNum(cart[k]), `${what}: cart.${k} should be a number, got ${JSON.stringify(cart[k])}`)
  }
  const items = cart.items || []
  const expected = items.reduce((acc, i) => acc + Number(i.unit_price) * Number(i.quantity), 0)
  assert(near(cart.item_subtotal, expected), `${what}: item_subtotal ${cart.item_subtotal} != Σ unit_price×quantity ${expected}`)
}

async function checkout(label, { guest }) {
  // a whole checkout on a fresh cart; returns the order (used for the logged-in customer)
  const { cart } = await sdk.store.cart.create({ region_id: s.region.id })
  const { cart: c1 } = await sdk.store.cart.createLineItem(cart.id, { variant_id: s.variants[0].id, quantity: 1 })
  const upd = { shipping_address: address(s.country), billing_address: address(s.country) }
  if (guest) upd.email = email
  await sdk.store.cart.update(c1.id, upd)
  await sdk.store.cart.addShippingMethod(c1.id, { option_id: s.shippingOption.id })
  const { cart: c2 } = await sdk.store.cart.retrieve(c1.id)
  await sdk.store.payment.initiatePaymentSession(c2, { provider_id: s.providerId })
  const res = await sdk.store.cart.complete(c1.id)
  assertEq(res.type, "order", `${label}: complete type`)
  return { cart: c2, order: res.order }
}

async function statusOf(promise) {
  try {
    await promise
    return 200
  } catch (e) {
    return e.status
  }
}

await runSteps("storefront", [
  ["invalid_publishable_key_is_400", async () => {
    const bad = makeSdk({ publishableKey: "pk_" + "0".repeat(64) })
    assertEq(await statusOf(bad.store.region.list()), 400, "GET /store/regions with an unknown publishable key")
    return {}
  }],
  ["regions", async () => {
    const res = await sdk.store.region.list()
    assert(Array.isArray(res.regions) && res.regions.length > 0, "at least one region", res)
    for (const k of ["count", "offset", "limit"]) assert(isNum(res[k]), `regions envelope has numeric ${k}`)
    const wanted = process.env.EURYALE_REGION_ID
    s.region = res.regions.find((r) => (wanted ? r.id === wanted : (r.countries || []).length > 0))
    assert(s.region, "a region with countries", res.regions.map((r) => r.id))
    s.country = s.region.countries[0].iso_2
    return { count: res.count, region: s.region.id, currency: s.region.currency_code, country: s.country }
  }],
  ["products", async () => {
    const res = await sdk.store.product.list({ limit: 20, offset: 0, region_id: s.region.id })
    assert(Array.isArray(res.products) && res.products.length > 0, "products listed")
    assert(isNum(res.count) && res.count >= res.products.length, "products count")
    assert(res.products.length <= 20, "limit honoured")
    s.product = res.products.find((p) => (p.variants || []).filter((v) => isNum(priceOf(v))).length >= 2)
    assert(s.product, "a product with two priced variants")
    return { count: res.count, product: s.product.id }
  }],
  ["product", async () => {
    const { product } = await sdk.store.product.retrieve(s.product.id, { region_id: s.region.id })
    assertEq(product.id, s.product.id, "product id")
    s.variants = product.variants.filter((v) => isNum(priceOf(v))).slice(0, 2)
    assertEq(s.variants[0].calculated_price.currency_code, s.region.currency_code, "calculated price currency")
    return { variants: s.variants.map((v) => [v.id, priceOf(v)]) }
  }],
  ["unknown_product_is_404", async () => {
    assertEq(await statusOf(sdk.store.product.retrieve("prod_does_not_exist")), 404, "GET /store/products/:id unknown")
    return {}
  }],
  ["create_cart", async () => {
    const { cart } = await sdk.store.cart.create({ region_id: s.region.id })
    assert(cart.id?.startsWith("cart_"), "cart id prefix", cart.id)
    assertEq(cart.region_id, s.region.id, "cart region")
    assertEq(cart.currency_code, s.region.currency_code, "cart currency")
    assertEq((cart.items || []).length, 0, "empty cart")
    assertEq(cart.total, 0, "empty cart total")
    s.cart = cart
    return { cart: cart.id }
  }],
  ["add_item_1", async () => {
    const { cart } = await sdk.store.cart.createLineItem(s.cart.id, { variant_id: s.variants[0].id, quantity: 1 })
    assertEq(cart.items.length, 1, "items after first add")
    assertEq(cart.items[0].variant_id, s.variants[0].id, "line item variant")
    assert(near(cart.items[0].unit_price, priceOf(s.variants[0])), "unit price = calculated price")
    checkCartTotals(cart, "add_item_1")
    s.cart = cart
    return { total: cart.total }
  }],
  ["add_item_2", async () => {
    const { cart } = await sdk.store.cart.createLineItem(s.cart.id, { variant_id: s.variants[1].id, quantity: 1 })
    assertEq(cart.items.length, 2, "items after second add")
    checkCartTotals(cart, "add_item_2")
    s.cart = cart
    return { total: cart.total }
  }],
  ["update_item", async () => {
    const line = s.cart.items.find((i) => i.variant_id === s.variants[0].id)
    const { cart } = await sdk.store.cart.updateLineItem(s.cart.id, line.id, { quantity: 3 })
    assertEq(cart.items.find((i) => i.id === line.id).quantity, 3, "updated quantity")
    checkCartTotals(cart, "update_item")
    const expected = 3 * priceOf(s.variants[0]) + priceOf(s.variants[1])
    assert(near(cart.item_subtotal, expected), `item_subtotal ${cart.item_subtotal} != ${expected}`)
    s.cart = cart
    return { item_subtotal: cart.item_subtotal }
  }],
  ["addresses", async () => {
    const { cart } = await sdk.store.cart.update(s.cart.id, {
      email, shipping_address: address(s.country), billing_address: address(s.country),
    })
    assertEq(cart.email, email, "cart email")
    assertEq(cart.shipping_address?.country_code, s.country, "shipping country")
    assertEq(cart.billing_address?.city, "London", "billing city")
    s.cart = cart
    return { email }
  }],
  ["shipping_options", async () => {
    const res = await sdk.store.fulfillment.listCartOptions({ cart_id: s.cart.id })
    assert(Array.isArray(res.shipping_options) && res.shipping_options.length > 0, "shipping options for the cart")
    s.shippingOption = res.shipping_options.find((o) => isNum(o.amount)) || res.shipping_options[0]
    assert(isNum(s.shippingOption.amount), "shipping option amount", s.shippingOption)
    return { options: res.shipping_options.map((o) => [o.id, o.name, o.amount]) }
  }],
  ["shipping_method", async () => {
    const { cart } = await sdk.store.cart.addShippingMethod(s.cart.id, { option_id: s.shippingOption.id })
    assertEq(cart.shipping_methods?.length, 1, "one shipping method")
    assertEq(cart.shipping_methods[0].shipping_option_id, s.shippingOption.id, "shipping method option")
    assert(near(cart.shipping_subtotal, s.shippingOption.amount), `shipping_subtotal ${cart.shipping_subtotal}`)
    checkCartTotals(cart, "shipping_method")
    assert(cart.total >= cart.item_subtotal + cart.shipping_subtotal - cart.discount_total - 1e-6, "total covers items+shipping")
    s.cart = cart
    return { total: cart.total, shipping_total: cart.shipping_total }
  }],
  ["payment_providers", async () => {
    const res = await sdk.store.payment.listPaymentProviders({ region_id: s.region.id })
    const ids = (res.payment_providers || []).map((p) => p.id)
    assert(ids.length > 0, "payment providers for the region", res)
    s.providerId = ids.includes("pp_system_default") ? "pp_system_default" : ids[0]
    return { providers: ids }
  }],
  ["payment_session", async () => {
    const { payment_collection: pc } = await sdk.store.payment.initiatePaymentSession(s.cart, { provider_id: s.providerId })
    assert(pc.id?.startsWith("pay_col_"), "payment collection id", pc.id)
    assert(near(pc.amount, s.cart.total), `collection amount ${pc.amount} != cart total ${s.cart.total}`)
    assertEq(pc.payment_sessions?.length, 1, "one payment session")
    assertEq(pc.payment_sessions[0].provider_id, s.providerId, "session provider")
    return { payment_collection: pc.id, amount: pc.amount }
  }],
  ["complete", async () => {
    const res = await sdk.store.cart.complete(s.cart.id)
    assertEq(res.type, "order", "complete type (an error would answer type=cart)")
    const o = res.order
    assert(o.id?.startsWith("order_"), "order id", o.id)
    assert(isNum(o.display_id), "display_id")
    assertEq(o.email, email, "order email")
    assertEq(o.items.length, 2, "order items")
    assert(near(o.total, s.cart.total), `order total ${o.total} != cart total ${s.cart.total}`)
    assertEq(o.status, "pending", "order status")
    s.order = o
    return { order: o.id, display_id: o.display_id, total: o.total }
  }],
  ["complete_again_idempotent", async () => {
    const res = await sdk.store.cart.complete(s.cart.id)
    assertEq(res.type, "order", "second complete type")
    assertEq(res.order.id, s.order.id, "second complete returns the same order")
    return { order: res.order.id }
  }],
  ["register", async () => {
    const token = await sdk.auth.register("customer", "emailpass", { email, password })
    assert(typeof token === "string" && token.split(".").length === 3, "registration JWT")
    return {}
  }],
  ["create_customer", async () => {
    const { customer } = await sdk.store.customer.create({ email, first_name: "Ada", last_name: "Lovelace" })
    assert(customer.id?.startsWith("cus_"), "customer id", customer.id)
    assertEq(customer.email, email, "customer email")
    assertEq(customer.has_account, true, "has_account")
    s.customer = customer
    return { customer: customer.id }
  }],
  ["login", async () => {
    const token = await sdk.auth.login("customer", "emailpass", { email, password })
    assert(typeof token === "string" && token.split(".").length === 3, "login JWT", token)
    return {}
  }],
  ["me", async () => {
    const { customer } = await sdk.store.customer.retrieve()
    assertEq(customer.id, s.customer.id, "me id")
    assertEq(customer.email, email, "me email")
    assert(Array.isArray(customer.addresses), "me addresses array")
    return { customer: customer.id }
  }],
  ["orders", async () => {
    // as Medusa: the guest order placed before registering belongs to the guest customer, not the new account
    const res = await sdk.store.order.list()
    assert(Array.isArray(res.orders), "orders array", res)
    for (const k of ["count", "offset", "limit"]) assert(isNum(res[k]), `orders envelope has numeric ${k}`)
    return { count: res.count }
  }],
  ["customer_checkout", async () => {
    const { cart, order } = await checkout("customer_checkout", { guest: false })
    assertEq(cart.customer_id, s.customer.id, "cart created while logged in belongs to the customer")
    assertEq(order.email, email, "customer order email")
    s.customerOrder = order
    return { order: order.id }
  }],
  ["orders_include_customer_order", async () => {
    const res = await sdk.store.order.list()
    const ids = res.orders.map((o) => o.id)
    assert(ids.includes(s.customerOrder.id), "the logged-in customer's order is listed", ids)
    const { order } = await sdk.store.order.retrieve(s.customerOrder.id)
    assertEq(order.id, s.customerOrder.id, "retrieve own order")
    return { count: res.count }
  }],
  ["logout_then_me_is_401", async () => {
    await sdk.auth.logout()
    let status = 0
    try {
      await sdk.store.customer.retrieve()
    } catch (e) {
      status = e.status
    }
    assertEq(status, 401, "GET /store/customers/me without a token")
    return {}
  }],
])
