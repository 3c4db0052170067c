package i18n

// greetingTexts are the words diners see around greetings: the footer of
// every marketing e-mail, the confirmation (double opt-in) e-mail, and the
// confirm and unsubscribe pages.
var greetingTexts = map[string]texts{
	"greeting.footer":         {ZhTW: "您收到這封信，是因為您在{store}的意見卡上同意接收{brand}的節日問候與優惠。", ZhCN: "您收到这封邮件，是因为您在{store}的意见卡上同意接收{brand}的节日问候与优惠。", En: "You receive this because you agreed, on a feedback card at {store}, to greetings and offers from {brand}."},
	"greeting.subtitle":       {ZhTW: "問候與優惠", ZhCN: "问候与优惠", En: "Greetings and offers"},
	"greeting.unsubscribe":    {ZhTW: "取消訂閱", ZhCN: "退订", En: "Unsubscribe"},
	"greeting.coupon":         {ZhTW: "您的專屬優惠碼：{coupon}", ZhCN: "您的专属优惠码：{coupon}", En: "Your own coupon code: {coupon}"},
	"greeting.dinerFallback":  {ZhTW: "貴賓", ZhCN: "贵宾", En: "valued guest"},
	"optin.subject":           {ZhTW: "請確認您要接收{brand}的問候與優惠", ZhCN: "请确认您要接收{brand}的问候与优惠", En: "Please confirm you want greetings and offers from {brand}"},
	"optin.hello":             {ZhTW: "{name} 您好：", ZhCN: "{name} 您好：", En: "Dear {name},"},
	"optin.body":              {ZhTW: "感謝您在{store}填寫意見卡，並勾選接收生日與節日的問候和優惠。請按下方按鈕確認；確認之前，我們不會寄送任何問候。", ZhCN: "感谢您在{store}填写意见卡，并勾选接收生日与节日的问候和优惠。请点击下方按钮确认；确认之前，我们不会发送任何问候。", En: "Thank you for filling in a feedback card at {store} and asking for birthday and holiday greetings and offers. Please confirm with the button below; until you do, we send you no greetings."},
	"optin.button":            {ZhTW: "確認訂閱", ZhCN: "确认订阅", En: "Confirm"},
	"optin.ignore":            {ZhTW: "若這不是您本人的意願，請忽略這封信，我們不會再寄信給您。", ZhCN: "若这不是您本人的意愿，请忽略这封邮件，我们不会再发邮件给您。", En: "If this was not you, ignore this e-mail and we will not write again."},
	"optin.page.title":        {ZhTW: "確認接收問候與優惠", ZhCN: "确认接收问候与优惠", En: "Confirm greetings and offers"},
	"optin.page.ask":          {ZhTW: "按下確認後，您將收到{brand}的生日與節日問候和優惠。您可以隨時在任何一封信中取消訂閱。", ZhCN: "点击确认后，您将收到{brand}的生日与节日问候和优惠。您可以随时在任何一封邮件中退订。", En: "Once you confirm, {brand} will send you birthday and holiday greetings and offers. You can unsubscribe from any of them at any time."},
	"optin.page.done":         {ZhTW: "已確認，感謝您！我們會在您的生日與節日寄上問候。", ZhCN: "已确认，谢谢您！我们会在您的生日与节日送上问候。", En: "Confirmed — thank you! We will greet you on your birthday and on holidays."},
	"optin.page.withdrawn":    {ZhTW: "您已取消訂閱，這個確認連結不再有效。若想再次訂閱，請在下次用餐時於意見卡上勾選。", ZhCN: "您已退订，这个确认链接不再有效。若想再次订阅，请在下次用餐时于意见卡上勾选。", En: "You have unsubscribed, so this confirmation link no longer applies. To subscribe again, tick the box on your next feedback card."},
	"unsubscribe.page.title":  {ZhTW: "取消訂閱", ZhCN: "退订", En: "Unsubscribe"},
	"unsubscribe.page.ask":    {ZhTW: "按下方按鈕後，{brand}將不再寄送問候與優惠給您。有關您用餐意見的回覆不受影響。", ZhCN: "点击下方按钮后，{brand}将不再向您发送问候与优惠。有关您用餐意见的回复不受影响。", En: "Press the button and {brand} will send you no more greetings or offers. Replies about your feedback are not affected."},
	"unsubscribe.page.button": {ZhTW: "取消訂閱", ZhCN: "退订", En: "Unsubscribe"},
	"unsubscribe.page.done":   {ZhTW: "您已取消訂閱，不會再收到{brand}的問候與優惠。", ZhCN: "您已退订，不会再收到{brand}的问候与优惠。", En: "You are unsubscribed: {brand} will send you no more greetings or offers."},
	"link.page.invalid":       {ZhTW: "這個連結無效，可能不完整。請從信中重新開啟。", ZhCN: "这个链接无效，可能不完整。请从邮件中重新打开。", En: "This link is not valid — it may be incomplete. Please open it again from the e-mail."},
	"link.page.expired":       {ZhTW: "這個連結已過期。", ZhCN: "这个链接已过期。", En: "This link has expired."},
	"link.page.unavailable":   {ZhTW: "系統暫時無法處理，請稍後再試。", ZhCN: "系统暂时无法处理，请稍后再试。", En: "We could not do this just now. Please try again in a moment."},
	"campaign.testPrefix":     {ZhTW: "［測試］", ZhCN: "［测试］", En: "[TEST] "},
	"campaign.sampleName":     {ZhTW: "林小姐", ZhCN: "林女士", En: "Ms Lin"},
}
