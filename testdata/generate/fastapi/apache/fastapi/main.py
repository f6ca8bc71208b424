"""A minimal FastAPI app with the downloads router.

Try it without Apache, X-Accel off, so that it streams the files itself:
    XACCEL_ENABLED=0 python3 main.py
Behind Apache:
    uvicorn main:app --host 127.0.0.1 --port 8000

Written by: xaccel generate --backend fastapi --front apache --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
"""
from fastapi import FastAPI

import downloads

app = FastAPI()
app.include_router(downloads.router, prefix="/files")

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
