package i18n

// limitTexts answer a client that sent too many cards (shared/http/limit).
var limitTexts = map[string]texts{
	"problem.too_many_requests": {ZhTW: "送出次數過多，請稍後再試。", ZhCN: "提交次数过多，请稍后再试。", En: "Too many requests; please try again later."},
	"limit.title":               {ZhTW: "請稍候再送出", ZhCN: "请稍候再提交", En: "Please wait a moment"},
	"limit.body":                {ZhTW: "這個網路在短時間內送出了太多張意見卡，這一張還沒有收到。", ZhCN: "这个网络在短时间内提交了太多张意见卡，这一张还没有收到。", En: "Too many cards were sent from this network in a short time, so this one has not been received yet."},
	"limit.retry":               {ZhTW: "請回到上一頁，{seconds} 秒後再按一次「送出意見卡」。", ZhCN: "请返回上一页，{seconds} 秒后再点一次“提交意见卡”。", En: "Please go back and press “Send my card” again in {seconds} seconds."},
}
