package i18n

// reviewKeyTexts are the review queue's keyboard hint and its count of
// cards left (console/reviews.js), and the page outcomes of duplex scans and
// print batches.
var reviewKeyTexts = map[string]texts{
	"console.paper.status.skipped":       {ZhTW: "略過", ZhCN: "略过", En: "skipped"},
	"console.paper.reason.blank":         {ZhTW: "空白頁（卡片背面）", ZhCN: "空白页（卡片背面）", En: "blank page (a card's back)"},
	"console.paper.reason.unknown_batch": {ZhTW: "QR 碼無法讀取，卡號也查不到印製紀錄", ZhCN: "二维码无法读取，卡号也查不到印制记录", En: "the QR code is unreadable and the serial matches no print run"},
	"console.review.keys":                {ZhTW: "鍵盤操作：數字鍵 1–5 選擇答案，Enter 儲存，N 下一張（Shift+N 上一張）。", ZhCN: "键盘操作：数字键 1–5 选择答案，Enter 保存，N 下一张（Shift+N 上一张）。", En: "Keyboard: digits 1–5 choose an answer, Enter saves, N goes to the next card (Shift+N the previous)."},
	"console.review.left":                {ZhTW: "還有 {n} 張待確認", ZhCN: "还有 {n} 张待确认", En: "{n} left to check"},
}
