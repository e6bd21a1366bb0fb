"""Log lines: their two formats and the context they carry (README.md, "Logs").

- `json_lines`, `text_lines`: the formatters `logging_setup` installs, one per `BITLOOT_LOG_FORMAT`;
- `record_fields`: what both add to a record's message (the request, order and job in play, the
  fields given with `extra=`);
- `request_ids`: which `X-Request-ID` is taken from a request, and the one generated otherwise;
- `job_labels`: the Taskiq middleware that carries the request id with a job into the worker.
"""
