/** Thrown inside the loop when the task is cancelled: the attempt ends as `cancelled`, not as an error. */
export class Cancelled extends Error {}
