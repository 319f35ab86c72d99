{
  "targets": [
    {
      "target_name": "batch_udp",
      "sources": ["batch_udp.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
