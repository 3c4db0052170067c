package i18n

// reviewKeyTexts are the review queue's keyboard hint and its count of
// cards left (console/reviews.js).
var reviewKeyTexts = map[string]texts{
	"console.review.keys": {ZhTW: "鍵盤操作：數字鍵 1–5 選擇答案，Enter 儲存，N 下一張（Shift+N 上一張）。", ZhCN: "键盘操作：数字键 1–5 选择答案，Enter 保存，N 下一张（Shift+N 上一张）。", En: "Keyboard: digits 1–5 choose an answer, Enter saves, N goes to the next card (Shift+N the previous)."},
	"console.review.left": {ZhTW: "還有 {n} 張待確認", ZhCN: "还有 {n} 张待确认", En: "{n} left to check"},
}
