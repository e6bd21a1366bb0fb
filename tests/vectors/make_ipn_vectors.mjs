// Generates ipn_vectors.json: NOWPayments IPN bodies with the canonical text and the signature real Node
// computes for them, the way NOWPayments' Node sample does it. Run: `node tests/vectors/make_ipn_vectors.mjs`.
// No npm dependencies. Bodies are raw JSON text (String.raw keeps `1.0`, `12.50` and escapes as written).
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SECRET = "test-ipn-secret-do-not-use";

// NOWPayments' sample: insert keys in `.sort()` order into a fresh object, recursing into nested objects.
// Unlike the sample, arrays stay arrays (the sample's `typeof x === 'object'` test would turn [a, b] into
// {"0": a, "1": b}); IPN bodies carry no arrays, so the two agree on every real notification.
function sortObject(obj) {
  return Object.keys(obj)
    .sort()
    .reduce((result, key) => {
      result[key] = canonicalise(obj[key]);
      return result;
    }, {});
}

function canonicalise(value) {
  if (Array.isArray(value)) return value.map(canonicalise);
  if (value && typeof value === "object") return sortObject(value);
  return value;
}

// The sample verbatim, to report where it and `sortObject` above part ways.
function docsSortObject(obj) {
  return Object.keys(obj)
    .sort()
    .reduce((result, key) => {
      result[key] = obj[key] && typeof obj[key] === "object" ? docsSortObject(obj[key]) : obj[key];
      return result;
    }, {});
}

const FEE = String.raw`{"withdrawalFee":0,"serviceFee":0,"depositFee":0.0001,"currency":"btc"}`;

const CASES = [
  {
    name: "finished_floats",
    body: String.raw`{"payment_id":5077125051,"parent_payment_id":null,"invoice_id":4687395926,"payment_status":"finished","pay_address":"bc1qexampleaddress0000","price_amount":12.50,"price_currency":"eur","pay_amount":0.000221,"actually_paid":0.000221,"actually_paid_at_fiat":12.50,"pay_currency":"btc","order_id":"ord_01J9Z8","order_description":"BitLoot order","purchase_id":"5837122679","created_at":"2024-05-01T12:00:00.000Z","updated_at":"2024-05-01T12:30:00.000Z","outcome_amount":1.0,"outcome_currency":"btc"}`,
  },
  {
    name: "nested_fee_unsorted",
    body: String.raw`{"updated_at":"2024-05-01T12:30:00.000Z","payment_status":"finished","fee":${FEE},"order_id":"ord_fee","payment_id":"5077125052","price_currency":"usd","price_amount":59.99,"pay_currency":"ltc","pay_amount":0.7,"actually_paid":0.70,"outcome_amount":0.6993,"outcome_currency":"ltc"}`,
  },
  {
    name: "non_ascii",
    secret: "sécret-🔑-ключ",
    body: String.raw`{"payment_id":5077125053,"payment_status":"confirming","order_id":"ord_ü","order_description":"Café — 🎮 Ünïcödé / ключ","price_amount":20,"price_currency":"eur","pay_amount":0.0003,"actually_paid":0,"pay_currency":"btc"}`,
  },
  {
    name: "partially_paid",
    body: String.raw`{"payment_id":5077125054,"payment_status":"partially_paid","order_id":"ord_part","price_amount":10,"price_currency":"usd","pay_amount":0.00015,"actually_paid":0.0001,"actually_paid_at_fiat":6.67,"pay_currency":"btc","outcome_amount":0.0000999,"outcome_currency":"btc"}`,
  },
  {
    name: "repeated_deposit",
    body: String.raw`{"payment_id":5077125099,"parent_payment_id":5077125051,"payment_status":"finished","order_id":"ord_01J9Z8","price_amount":12.5,"price_currency":"eur","pay_amount":0.000221,"actually_paid":0.0001,"pay_currency":"btc"}`,
  },
  {
    name: "numbers_and_index_keys",
    body: String.raw`{"payment_id":5077125055,"payment_status":"waiting","order_id":"ord_num","price_amount":1e2,"price_currency":"usd","pay_amount":1E-7,"actually_paid":null,"pay_currency":"btc","42":"forty-two","7":"seven","10":"ten","01":"leading zero","-1":"negative","4294967294":"largest index","4294967295":"not an index","extra":{"big":1e21,"just_below":100000000000000000000,"tiny":1e-7,"micro":0.000001,"huge_int":123456789012345678901234567890,"neg_zero":-0.0,"neg_zero_int":-0,"sum":0.30000000000000004,"min":5e-324,"max":1.7976931348623157e308,"overflow":1e400,"neg":-2.5e-7,"float_int":3.0,"big_exact":9007199254740993,"list":[3.0,{"b":1,"a":2},[],true,null]}}`,
  },
  {
    name: "escapes",
    body: String.raw`{"payment_id":5077125056,"payment_status":"failed","order_id":"ord_esc","order_description":"quote \" backslash \\ newline \n tab \t ctrl \u0001 \u001f del \u007f ls \u2028 raw   ps   slash \/ pair \ud83c\udfae lone \ud800 \udc00x","price_amount":5,"price_currency":"usd","pay_amount":5,"actually_paid":0,"pay_currency":"usdttrc20"}`,
  },
  {
    name: "utf16_key_order",
    body: String.raw`{"payment_id":5077125057,"payment_status":"expired","order_id":"ord_keys","price_amount":1,"price_currency":"usd","pay_amount":1,"actually_paid":0,"pay_currency":"usdc","ﬀ":"U+FB00","🎮":"U+1F3AE","é":"U+00E9","Z":"upper","_":"underscore"}`,
  },
  {
    name: "proto_key",
    body: String.raw`{"payment_id":5077125058,"payment_status":"refunded","order_id":"ord_proto","price_amount":1,"price_currency":"usd","pay_amount":1,"actually_paid":1,"pay_currency":"usdc","__proto__":{"polluted":true},"constructor":"c"}`,
  },
];

const vectors = CASES.map(({ name, body, secret = SECRET }) => {
  const parsed = JSON.parse(body);
  const canonical = JSON.stringify(sortObject(parsed));
  const docs = JSON.stringify(docsSortObject(parsed));
  if (docs !== canonical) console.log(`${name}: the verbatim docs sample gives ${docs}`);
  const signature = createHmac("sha512", secret).update(canonical).digest("hex");
  return { name, secret, body, canonical, signature };
});

const out = join(dirname(fileURLToPath(import.meta.url)), "ipn_vectors.json");
writeFileSync(out, JSON.stringify(vectors, null, 2) + "\n");
console.log(`wrote ${vectors.length} vectors to ${out}`);
