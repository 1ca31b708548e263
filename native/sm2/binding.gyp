{
  "targets": [
    {
      "target_name": "sm2",
      "sources": ["src/sm2.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "defines": ["OPENSSL_API_COMPAT=30000"],
      "conditions": [
        ["OS=='mac'", { "xcode_settings": { "OTHER_LDFLAGS": ["-undefined", "dynamic_lookup"] } }]
      ]
    }
  ]
}
