"""Job runners: thin RQ job functions (``workers.jobs``), the RQ queue side (``workers.queue``)
and an in-process thread runner (``workers.inprocess``) used when no Redis is configured."""
