"""Payment provider adapters: NOWPayments IPN verification and the JSON form its signature covers."""
