// Start GOV.UK Frontend's components (kept in a file of our own: the CSP allows no inline scripts).
import { initAll } from "/govuk/govuk-frontend.min.js";
initAll();
