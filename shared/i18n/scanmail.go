package i18n

// scanMailTexts are the reply to a scan sent by e-mail: what became of
// each page.
var scanMailTexts = map[string]texts{
	"scanmail.subject":   {ZhTW: "掃描結果：{pages} 頁，{stored} 張意見卡已存，{queued} 張待確認", ZhCN: "扫描结果：{pages} 页，{stored} 张意见卡已存，{queued} 张待确认", En: "Your scan: {pages} pages, {stored} cards stored, {queued} to review"},
	"scanmail.intro":     {ZhTW: "我們收到您寄來的掃描檔，以下是每一頁的結果：", ZhCN: "我们收到您寄来的扫描文件，以下是每一页的结果：", En: "We received your scan. What became of each page:"},
	"scanmail.page":      {ZhTW: "{file} 第 {page} 頁：{outcome}", ZhCN: "{file} 第 {page} 页：{outcome}", En: "{file} page {page}: {outcome}"},
	"scanmail.stored":    {ZhTW: "已存為意見卡", ZhCN: "已存为意见卡", En: "stored as a card"},
	"scanmail.queued":    {ZhTW: "有不確定的答案，請到管理後台的「待確認」確認", ZhCN: "有不确定的答案，请到管理后台的“待确认”确认", En: "an answer is uncertain: settle it in the console's review queue"},
	"scanmail.duplicate": {ZhTW: "這張卡已經收過了", ZhCN: "这张卡已经收过了", En: "this card was received before"},
	"scanmail.skipped":   {ZhTW: "空白頁，略過", ZhCN: "空白页，略过", En: "blank page, skipped"},
	"scanmail.rejected":  {ZhTW: "無法讀取（{reason}）", ZhCN: "无法读取（{reason}）", En: "could not be read ({reason})"},
	"scanmail.none":      {ZhTW: "郵件中沒有 PDF、JPEG 或 TIFF 附件。", ZhCN: "邮件中没有 PDF、JPEG 或 TIFF 附件。", En: "The message had no PDF, JPEG or TIFF attachment."},
	"scanmail.footer":    {ZhTW: "這是自動回覆，請勿回信。", ZhCN: "这是自动回复，请勿回信。", En: "This is an automatic reply; please do not answer it."},
}
