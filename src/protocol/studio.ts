// The Training Studio's messages between the extension host and its webview.

export {};
