// Limits of the API that its clients hold to as well: the API refuses past them, and the dashboard
// does not offer what would be refused.

/** The most runs (or seed groups) one comparison shows, and its export (CSV, JSON) takes. */
export const MAX_COMPARE = 50;
