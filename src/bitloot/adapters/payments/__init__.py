"""Payment adapters: NOWPayments (`nowpayments/`) and the embedded mode's local simulator."""
