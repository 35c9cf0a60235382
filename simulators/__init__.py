"""Protocol simulators of the clouds and devices we cannot reach from a test machine:
WeChat's API and pushes, the Aliyun and Tencent SMS APIs, Weibo's open API, a
set-top box. They speak each protocol faithfully (signatures checked and made as the
real parties do) so the real SDKs and our real adapters run unchanged against them,
in tests, benchmarks, ``liandong demo`` and drills. Never used in production."""
