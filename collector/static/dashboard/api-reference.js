// The API reference page: renders the collector's OpenAPI document with the vendored Swagger UI
// (collector/static/vendor/swagger-ui/). A file of ours, never inline, so the page keeps
// script-src 'self'. The secret key typed into "Authorize" lives in this tab's memory only.
const root = document.getElementById('api-reference');
if (root && window.SwaggerUIBundle) {
  window.SwaggerUIBundle({
    domNode: root,
    url: root.dataset.spec,
    layout: 'BaseLayout',
    deepLinking: false,
    persistAuthorization: false,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
    docExpansion: 'list',
    // Validating against swagger.io would send the document off the collector (and CSP refuses it).
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
}
