// Starts Swagger UI on /schema; a file of its own so the page's policy allows no inline script.
window.ui = SwaggerUIBundle({
  url: "/schema/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: false,
});
