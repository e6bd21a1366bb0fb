// Starts Redoc on /schema/redoc; a file of its own so the page's policy allows no inline script.
Redoc.init(
  "/schema/openapi.json",
  { expandResponses: "200,201", hideHostname: true },
  document.getElementById("redoc"),
);
